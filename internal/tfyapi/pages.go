package tfyapi

import (
	"context"
	"fmt"
	"io"
	"iter"
)

// pageSize turns a caller's page size into the API's range (1..1000).
func pageSize(n int) int {
	switch {
	case n <= 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	}
	return n
}

// lister describes one paginated endpoint.
type lister[W, T any] struct {
	op      string                           // "list secret groups"
	size    int                              // page size
	request func(offset, limit int) *request // builds the call for one page
	convert func(*W) T
	id      func(*W) string // detects a server that ignores offset
}

// walk fetches pages lazily: the next page is requested only when the
// consumer has taken every item of the current one. It stops at an empty
// page, when "total" is reached, or (when the server reports no total) at a
// short page. Each page is decoded completely before any of it is yielded,
// so a retried page never yields an item twice.
func (l lister[W, T]) walk(ctx context.Context, c *Client) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		offset := 0
		prevFirst := ""
		for {
			var p page[W]
			err := c.call(ctx, l.request(offset, l.size), func(r io.Reader) error {
				var derr error
				p, derr = decodePage[W](r, l.op)
				return derr
			})
			if err != nil {
				yield(zero, err)
				return
			}
			n := len(p.items)
			if n > 0 && offset > 0 {
				first := l.id(&p.items[0])
				if first != "" && first == prevFirst {
					yield(zero, fmt.Errorf("%s: the server returned the same page for offset %d as before; it ignores \"offset\"", l.op, offset))
					return
				}
			}
			if n > 0 {
				prevFirst = l.id(&p.items[0])
			}
			for i := range p.items {
				if !yield(l.convert(&p.items[i]), nil) {
					return
				}
			}
			offset += n
			switch {
			case n == 0:
				return
			case p.total >= 0 && offset >= p.total:
				return
			case p.total < 0 && n < l.size:
				return
			}
		}
	}
}
