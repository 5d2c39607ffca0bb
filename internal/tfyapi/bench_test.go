package tfyapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// groupPage renders groups [offset, offset+n) of total as one list page,
// shaped like the real API's (subjects, manifests, three keys each).
func groupPage(offset, n, total int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"data":[`)
	for i := offset; i < offset+n; i++ {
		if i > offset {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"grp%08d","fqn":"acme:app-%d","tenantName":"acme","integrationId":"int-aws-sm","accountId":"acc-1",`+
			`"createdBySubject":{"subjectId":"u1","subjectType":"user","subjectSlug":"alice@example.com"},`+
			`"manifest":{"type":"secret-group","name":"app-%d","integration_fqn":"acme:aws:prod:secret-store:sm","collaborators":[{"subject":"user:alice@example.com","role_id":"secret-group-admin"}]},`+
			`"associatedSecrets":[`, i, i, i)
		for j, k := range []string{"DB-PASSWORD", "API-KEY", "LOG-TOKEN"} {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"sec%08d%d","fqn":"acme:app-%d:%s","name":"%s","secretGroupId":"grp%08d"}`, i, j, i, k, k, i)
		}
		b.WriteString(`],"createdAt":"2026-01-02T03:04:05.123Z","updatedAt":"2026-01-02T03:04:05.123Z","createdBy":"alice"}`)
	}
	fmt.Fprintf(&b, `],"pagination":{"total":%d,"offset":%d,"limit":%d}}`, total, offset, n)
	return b.Bytes()
}

// BenchmarkDecodeGroupPage decodes one full page (1000 groups, the API's
// maximum) as ListGroups does, and converts every group.
func BenchmarkDecodeGroupPage(b *testing.B) {
	body := groupPage(0, MaxPageSize, MaxPageSize)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := decodePage[wireGroup](bytes.NewReader(body), "list secret groups")
		if err != nil {
			b.Fatal(err)
		}
		for i := range p.items {
			_ = p.items[i].group()
		}
	}
}

// BenchmarkListGroups10k walks 10,000 groups in pages of 1000 from a
// loopback server, through the whole client (HTTP, retries, decoding).
func BenchmarkListGroups10k(b *testing.B) {
	const total = 10_000
	pages := map[int][]byte{}
	for off := 0; off < total; off += MaxPageSize {
		pages[off] = groupPage(off, MaxPageSize, total)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(pages[off])
	}))
	defer srv.Close()
	c, _ := testClient(b, srv.URL, testKey)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range c.ListGroups(context.Background(), ListGroupsOptions{PageSize: MaxPageSize}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != total {
			b.Fatalf("listed %d groups", n)
		}
	}
}
