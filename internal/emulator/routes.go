package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// request is what a handler sees: the parsed pieces of an authenticated
// HTTP request.
type request struct {
	caller caller
	path   func(string) string // path parameters
	query  url.Values
	body   []byte
}

// response is what a handler returns; the adapter renders it.
type response struct {
	status int
	body   any
}

func ok(body any) (response, error) { return response{status: http.StatusOK, body: body}, nil }

type handlerFunc func(*request) (response, error)

// access says whether a route reads or writes, for the viewer role.
type access int

const (
	read access = iota
	write
)

const apiPrefix = "/api/svc/v1/"

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	type route struct {
		method, path string
		h            handlerFunc
		access       access
	}
	api := []route{
		{"GET", "secret-groups", s.listGroups, read},
		{"POST", "secret-groups", s.createGroup, write},
		{"PUT", "secret-groups", s.upsertGroup, write},
		{"GET", "secret-groups/{id}", s.getGroup, read},
		{"PUT", "secret-groups/{id}", s.updateGroup, write},
		{"DELETE", "secret-groups/{id}", s.deleteGroup, write},
		{"POST", "secrets", s.listSecrets, read},
		{"GET", "secrets/{id}", s.getSecret, read},
		{"DELETE", "secrets/{id}", s.deleteSecret, write},
		{"GET", "secrets/{id}/versions", s.listVersions, read},
		{"GET", "provider-accounts", s.listAccounts, read},
		{"GET", "provider-integrations", s.listIntegrations, read},
		{"PUT", "apply", s.apply, write},
		{"POST", "delete", s.deleteByManifest, write},
	}
	paths := map[string]bool{}
	for _, rt := range api {
		mux.Handle(rt.method+" "+apiPrefix+rt.path, s.faulty(s.api(rt.h, rt.access)))
		paths[rt.path] = true
	}
	// The real tfy CLI asks these before anything else, without checking
	// the key first; they need no authentication here either.
	mux.Handle("GET "+apiPrefix+"min-cli-version", s.faulty(s.open(s.minCLIVersion)))
	mux.Handle("GET "+apiPrefix+"tenant-id", s.faulty(s.open(s.tenantID)))
	paths["min-cli-version"], paths["tenant-id"] = true, true
	for p := range paths {
		mux.Handle(apiPrefix+p, s.open(methodNotAllowed))
	}
	s.controlRoutes(mux)
	unknown := s.open(notFound)
	mux.Handle("/", unknown)
	return canonicalPaths(mux, unknown)
}

// canonicalPaths lets /provider-accounts/ and /provider-accounts mean the
// same, as real callers use both, and answers a path that is not in
// canonical form otherwise ("/a/../b", "//a", "/a/.") with notFound, so
// that every answer stays a JSON HttpError: ServeMux would redirect it
// with an empty or HTML body.
func canonicalPaths(next, notFound http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := strings.TrimRight(r.URL.Path, "/"); p != "" && path.Clean(p) != p {
			notFound.ServeHTTP(w, r)
			return
		}
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.TrimRight(p, "/")
			if r2.URL.Path == "" {
				r2.URL.Path = "/"
			}
			r2.URL.RawPath = ""
			next.ServeHTTP(w, r2)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func methodNotAllowed(*request) (response, error) {
	return response{}, errorf(405, "Method not allowed")
}

func notFound(*request) (response, error) {
	return response{}, errorf(404, "Not found")
}

// api adapts a handler: authenticate, enforce the role, read the body, run,
// render.
func (s *Server) api(h handlerFunc, acc access) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.authenticate(r)
		if err == nil && acc == write && !c.canWrite() {
			err = errorf(403, "Permission denied: the %s role cannot modify secrets", c.role)
		}
		if err != nil {
			render(w, response{}, err)
			return
		}
		s.run(w, r, c, h)
	})
}

// open adapts a handler that needs no authentication.
func (s *Server) open(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.run(w, r, caller{}, h)
	})
}

func (s *Server) run(w http.ResponseWriter, r *http.Request, c caller, h handlerFunc) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			render(w, response{}, errorf(413, "Request body is larger than %d bytes", maxBody))
			return
		}
		render(w, response{}, errorf(400, "Could not read the request body"))
		return
	}
	resp, err := h(&request{caller: c, path: r.PathValue, query: r.URL.Query(), body: body})
	render(w, resp, err)
}

// rawJSON is a response body that is already valid JSON.
type rawJSON []byte

func encodeJSON(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// httpErrorJSON is TrueFoundry's HttpError body.
type httpErrorJSON struct {
	StatusCode int           `json:"statusCode"`
	Message    string        `json:"message"`
	Details    []errorDetail `json:"details,omitempty"`
}

// render is the one place responses are written. Every error becomes
// TrueFoundry's HttpError JSON; an error that is not an *httpError is a bug
// in the emulator and answers 500 without detail.
func render(w http.ResponseWriter, resp response, err error) {
	if err != nil {
		var he *httpError
		if !errors.As(err, &he) {
			he = &httpError{status: 500, message: "Internal emulator error"}
		}
		resp = response{status: he.status, body: httpErrorJSON{StatusCode: he.status, Message: he.message, Details: he.details}}
	}
	if raw, isRaw := resp.body.(rawJSON); isRaw {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.status)
		_, _ = w.Write(raw)
		return
	}
	var buf bytes.Buffer
	if err := encodeJSON(&buf, resp.body); err != nil {
		resp.status = 500
		buf.Reset()
		buf.WriteString(`{"statusCode":500,"message":"Internal emulator error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.status)
	_, _ = w.Write(buf.Bytes())
}
