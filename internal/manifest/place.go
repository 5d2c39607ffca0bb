package manifest

// Place is the kind of field a value sits in. It decides whether a
// tfy-secret:// reference written there is resolved by the platform, so
// whether a plaintext credential found there can be migrated into a
// reference or only reported with a fix.
type Place string

// The places of truefoundry-manifests.md section 2.
const (
	// PlaceEnv is an env value of any application kind: the documented home
	// of references.
	PlaceEnv Place = "env"
	// PlaceLegacyEnv is an env value of a legacy servicefoundry.yaml
	// component, written as a list of {name, value} pairs.
	PlaceLegacyEnv Place = "legacy_env"
	// PlaceSecretFQN is a field that must hold a reference: a mount's
	// secret_fqn or a volume browser's password_secret_fqn.
	PlaceSecretFQN Place = "secret_fqn"
	// PlaceStringMount is the inline file content (data) of a
	// type: string mount.
	PlaceStringMount Place = "string_mount"
	// PlaceHelmValues is any value under a Helm manifest's values.
	PlaceHelmValues Place = "helm_values"
	// PlaceSecretStringData is a key of a Kubernetes Secret's stringData, in
	// a manifest's additional_manifests or kustomize.additions.
	PlaceSecretStringData Place = "k8s_secret_string_data"
	// PlaceSecretData is a key of a Kubernetes Secret's data (base64).
	PlaceSecretData Place = "k8s_secret_data"
	// PlaceBuildArg is an image build's build_spec.build_args entry.
	PlaceBuildArg Place = "build_arg"
	// PlaceBuildSecret is a build_spec.build_secrets entry's value.
	PlaceBuildSecret Place = "build_secret"
	// PlaceQueueAuth is an async service's queue credential
	// (worker_config input_config/output_config auth, or a connection URL).
	PlaceQueueAuth Place = "queue_auth"
	// PlaceSparkConf is a Spark job's spark_conf entry.
	PlaceSparkConf Place = "spark_conf"
)

// Places lists every place, for tests and documentation.
func Places() []Place {
	return []Place{PlaceEnv, PlaceLegacyEnv, PlaceSecretFQN, PlaceStringMount, PlaceHelmValues, PlaceSecretStringData,
		PlaceSecretData, PlaceBuildArg, PlaceBuildSecret, PlaceQueueAuth, PlaceSparkConf}
}

// Support says whether the platform resolves a reference written in a place.
type Support int

// The supports. Unknown is a place where the sources do not say; a
// migration leaves such values alone and a check only reports them.
const (
	Unresolved Support = iota
	Resolved
	Unknown
)

func (s Support) String() string {
	switch s {
	case Resolved:
		return "resolved"
	case Unknown:
		return "unknown"
	}
	return "not resolved"
}

// References says whether a reference written in the place is resolved.
func (p Place) References() Support {
	switch p {
	case PlaceEnv, PlaceLegacyEnv, PlaceSecretFQN, PlaceSecretStringData, PlaceBuildSecret:
		return Resolved
	case PlaceQueueAuth, PlaceSparkConf:
		return Unknown
	}
	return Unresolved
}

func (p Place) describe() string {
	switch p {
	case PlaceStringMount:
		return "the data of a type: string mount"
	case PlaceHelmValues:
		return "Helm values"
	case PlaceSecretData:
		return "a Kubernetes Secret's data, which must be base64"
	case PlaceBuildArg:
		return "build arguments, which are baked into the image"
	}
	return string(p)
}

// Fix says where a credential found in the place belongs instead. It is
// empty for places where a reference can replace the value directly.
func (p Place) Fix() string {
	switch p {
	case PlaceStringMount:
		return "put the file's content in a secret group and mount it with type: secret and secret_fqn: tfy-secret://<tenant>:<group>:<key>"
	case PlaceHelmValues:
		return "add a Kubernetes Secret to additional_manifests with stringData: {KEY: tfy-secret://<tenant>:<group>:<key>} (references are resolved there) and point the chart at that Secret"
	case PlaceSecretData:
		return "move the key to stringData with a tfy-secret://<tenant>:<group>:<key> value"
	case PlaceBuildArg:
		return "pass it as a build secret (build_spec.build_secrets, value tfy-secret://<tenant>:<group>:<key>) and read it with RUN --mount=type=secret, not as a build argument"
	case PlaceQueueAuth:
		return "the sources do not say whether references resolve here; check with tfy apply --dry-run before relying on one"
	case PlaceSparkConf:
		return "the sources do not say whether references resolve in spark_conf; pass the credential through env with a reference instead"
	}
	return ""
}
