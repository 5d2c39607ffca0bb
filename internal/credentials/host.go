package credentials

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// errUserInfo quotes nothing: the text before @ may be a password.
var errUserInfo = errors.New("host URL must not contain user information (user@ or user:password@)")

// NormalizeHost turns a TrueFoundry base URL into the one form used as the
// keyring entry's name and for comparisons: scheme and host lower-cased,
// trailing slashes removed. The scheme is required (a bare name could mean
// either), http is accepted only for loopback hosts, and URLs carrying user
// information, a query or a fragment are refused. Errors may quote the URL
// only with any user information removed.
func NormalizeHost(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("empty host URL")
	}
	if strings.Contains(s, "@") {
		return "", errUserInfo
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the whole input; keep only the reason in case
		// the text holds user:password.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return "", fmt.Errorf("host URL is not a valid URL: %w", err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("host URL %q needs a scheme, as in https://%s", s, strings.TrimPrefix(s, "//"))
	}
	if scheme != "https" && scheme != "http" {
		return "", fmt.Errorf("host URL %s: scheme %q is not http or https", u.Redacted(), u.Scheme)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("host URL %s must not have a query or fragment", u.Redacted())
	}
	if slices.Contains(strings.Split(u.Path, "/"), "..") {
		// API paths are appended to the base; ".." would make them point
		// somewhere the user did not name.
		return "", fmt.Errorf("host URL %s must not contain a .. path segment", u.Redacted())
	}
	hostname := strings.ToLower(u.Hostname())
	if hostname == "" {
		return "", fmt.Errorf("host URL %s has no host name", u.Redacted())
	}
	if scheme == "http" && !IsLoopback(hostname) {
		return "", fmt.Errorf("host URL %s uses http://, which is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost); use https://", u.Redacted())
	}
	out := url.URL{Scheme: scheme, Host: strings.ToLower(u.Host), Path: strings.TrimRight(u.Path, "/")}
	return out.String(), nil
}

// IsLoopback reports whether hostname (no port, no brackets) names this
// machine: localhost, 127.0.0.0/8 or ::1.
func IsLoopback(hostname string) bool {
	if strings.EqualFold(hostname, "localhost") {
		return true
	}
	ip := net.ParseIP(hostname)
	return ip != nil && ip.IsLoopback()
}
