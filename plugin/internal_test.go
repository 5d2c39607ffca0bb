package plugin

import (
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	pb "github.com/tfy-secrets/tfy-secrets/plugin/proto"
)

func TestWatchParentStopsWhenReparented(t *testing.T) {
	t.Parallel()
	done, gone := make(chan struct{}), make(chan struct{})
	stopped := make(chan struct{}, 16)
	// A parent pid that is not ours is what a re-parented plugin sees.
	go watchParent(os.Getppid()+1_000_000, done, gone, func() { stopped <- struct{}{} })
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("watchParent did not notice the parent was gone")
	}
	<-stopped
	close(done)
}

func TestWatchParentKeepsQuietWhileParentLives(t *testing.T) {
	t.Parallel()
	done, gone := make(chan struct{}), make(chan struct{})
	finished := make(chan struct{})
	go func() {
		watchParent(os.Getppid(), done, gone, func() { t.Error("stop called while the parent lives") })
		close(finished)
	}()
	close(done)
	<-finished
	select {
	case <-gone:
		t.Fatal("gone closed while the parent lives")
	default:
	}
}

func TestUnknownKindAndEmptyMessage(t *testing.T) {
	t.Parallel()
	f := failureFromWire(&pb.Failure{Kind: "from_the_future", Hint: "h"})
	if f.Kind != failure.Unexpected || f.Message == "" || f.Hint != "h" {
		t.Fatalf("got %+v", f)
	}
}

func TestStatusWithoutDetail(t *testing.T) {
	t.Parallel()
	err := fromStatus(t.Context(), "MakeRef", status.Error(codes.Unimplemented, "unknown method"))
	if failure.KindOf(err) != failure.Unexpected || !slices.Contains([]string{"the tfy-secrets plugin does not know MakeRef"}, failure.As(err).Message) {
		t.Fatalf("got %v", err)
	}
	err = fromStatus(t.Context(), "MakeRef", errors.New("not a status"))
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("got %v", err)
	}
}

// FuzzFailureDetail feeds arbitrary bytes to the decoding of the error
// detail a plugin sends: whatever arrives, the host gets a known kind and a
// message, and never panics.
func FuzzFailureDetail(f *testing.F) {
	seed, _ := proto.Marshal(&pb.Failure{Kind: "not_found", Message: "m", Hint: "h"})
	f.Add(seed)
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		var detail pb.Failure
		if err := proto.Unmarshal(data, &detail); err != nil {
			return
		}
		st, err := status.New(codes.Unknown, "x").WithDetails(&detail)
		if err != nil {
			t.Fatal(err)
		}
		got := failure.As(fromStatus(t.Context(), "GetGroup", st.Err()))
		if !slices.Contains(failure.Kinds(), got.Kind) || got.Message == "" {
			t.Fatalf("got %+v", got)
		}
	})
}

// FuzzWireTime checks that any time a plugin sends decodes without a panic
// and that times we send come back equal.
func FuzzWireTime(f *testing.F) {
	f.Add(int64(0), int32(0))
	f.Add(int64(1_795_000_000), int32(999_999_999))
	f.Add(int64(-62135596800), int32(-1))
	f.Fuzz(func(t *testing.T, sec int64, nanos int32) {
		got := fromWireTime(&pb.Time{Seconds: sec, Nanos: nanos})
		if nanos >= 0 && nanos < 1e9 && sec > -1e11 && sec < 1e11 {
			if back := toWireTime(got); !got.IsZero() && (back.GetSeconds() != sec || back.GetNanos() != nanos) {
				t.Fatalf("round trip %d.%d -> %d.%d", sec, nanos, back.GetSeconds(), back.GetNanos())
			}
		}
	})
}
