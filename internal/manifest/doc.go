// Package manifest reads TrueFoundry deployment manifests and rewrites them
// without losing a byte. It owns four pure pieces that manifest check,
// manifest migrate, where-used and run build on:
//
//   - Read parses a file's bytes (any number of YAML documents) and reports
//     every place a secret can live in the TrueFoundry documents among
//     them (env values, secret mounts, string mounts, Helm values and the
//     Kubernetes Secrets of additional_manifests and kustomize.additions,
//     build arguments and build secrets, async-service queue credentials,
//     spark_conf, the volume browser's password, the legacy
//     servicefoundry.yaml components) with its line, column, document and
//     YAML path, what it is as a tfy-secret:// reference, and whether it
//     looks like a plaintext credential.
//   - File.Rewrite replaces the bytes of the scalars it is asked to change
//     and copies every other byte, then parses its own output to prove it.
//   - ParseRef and FormatRef read and write tfy-secret:// references,
//     naming each malformed variant found in real files.
//   - Assess says why a plaintext value looks like a credential.
//
// The package must stay pure: no file, network or terminal I/O (callers
// hand it bytes and take bytes back), no imports of host, plugin or the
// API client, no policy decisions. It must never put a value, or any text
// of a document it could not parse, into an error, a reason or a message:
// values stay inside secret.Value, and are only compared within this
// package, never rendered.
package manifest
