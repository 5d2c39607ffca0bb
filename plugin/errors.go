package plugin

import (
	"context"
	"errors"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	pb "github.com/tfy-secrets/tfy-secrets/plugin/proto"
)

// ErrStopped is in the chain of the error a call returns when the plugin
// process went away (crashed, was killed) while the host was talking to it.
var ErrStopped = errors.New("plugin stopped")

// stoppedHint points at the only place the reason for a crash shows up.
const stoppedHint = "rerun with --debug to see the plugin's own diagnostics"

// toStatus turns a Service error into a gRPC status carrying the failure's
// kind, message and hint as a detail, so the host can rebuild it.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	f := failure.As(err)
	code := codes.Unknown
	switch {
	case errors.Is(err, context.Canceled):
		code = codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		code = codes.DeadlineExceeded
	}
	st := status.New(code, f.Error())
	withDetail, detailErr := st.WithDetails(&pb.Failure{Kind: string(f.Kind), Message: f.Error(), Hint: f.Hint})
	if detailErr != nil {
		// Only an unmarshalable detail fails here; the bare status still
		// carries the message.
		return st.Err()
	}
	return withDetail.Err()
}

// fromStatus turns what a gRPC call returned into the error the host sees:
// the plugin's *failure.Error when it sent one, the cause of ctx when the
// host gave up, and a clear "stopped" failure when the connection broke.
func fromStatus(ctx context.Context, method string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fromContext(ctx)
	}
	st, ok := status.FromError(err)
	if !ok {
		return &failure.Error{Kind: failure.Unexpected, Message: "the tfy-secrets plugin stopped unexpectedly", Hint: stoppedHint, Err: errors.Join(ErrStopped, err)}
	}
	for _, d := range st.Details() {
		if f, ok := d.(*pb.Failure); ok {
			return failureFromWire(f)
		}
	}
	if st.Code() == codes.Unimplemented {
		return failure.New(failure.Unexpected, "the tfy-secrets plugin does not know %s", method).
			WithHint("reinstall tfy-secrets so that the host and the plugin come from the same release")
	}
	return &failure.Error{Kind: failure.Unexpected, Message: "the tfy-secrets plugin stopped unexpectedly", Hint: stoppedHint, Err: errors.Join(ErrStopped, err)}
}

// fromContext reports why the host stopped waiting. A cause set with
// context.WithCancelCause (an interrupt, say) is returned as it is so its
// own exit code survives.
func fromContext(ctx context.Context) error {
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, context.DeadlineExceeded):
		return failure.Wrap(failure.Unavailable, cause, "the operation timed out").WithHint("raise --timeout, or check the network")
	case errors.Is(cause, context.Canceled):
		return failure.Wrap(failure.Unexpected, cause, "the operation was cancelled")
	default:
		return cause
	}
}

// failureFromWire rebuilds a failure sent by the plugin. A kind this host
// does not know (a newer plugin) becomes Unexpected rather than a bogus
// exit code.
func failureFromWire(f *pb.Failure) *failure.Error {
	kind := kindFromWire(f.GetKind())
	if kind == "" {
		kind = failure.Unexpected
	}
	msg := f.GetMessage()
	if msg == "" {
		msg = "the tfy-secrets plugin failed without saying why"
	}
	return &failure.Error{Kind: kind, Message: msg, Hint: f.GetHint()}
}

// kindFromWire reads a failure kind a plugin sent: one the host does not
// know becomes unexpected, so that it still maps to an exit code; none
// stays none.
func kindFromWire(s string) failure.Kind {
	kind := failure.Kind(s)
	if s != "" && !slices.Contains(failure.Kinds(), kind) {
		return failure.Unexpected
	}
	return kind
}
