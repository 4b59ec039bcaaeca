package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
)

// DefaultRetries is the attempt cap used when schemas.S3Config.Retries is 0.
const DefaultRetries = 5

// transientError marks an error as worth trying again (a stream that broke
// mid-read, for instance) whatever its cause looks like.
type transientError struct{ err error }

func (e *transientError) Error() string   { return e.err.Error() }
func (e *transientError) Unwrap() error   { return e.err }
func (e *transientError) Retryable() bool { return true }

// retryableCodes are S3 error codes that say "try again later".
var retryableCodes = map[string]bool{
	"RequestTimeout":       true,
	"RequestTimeTooSkewed": false,
	"Throttling":           true,
	"ThrottlingException":  true,
	"RequestLimitExceeded": true,
	"RequestThrottled":     true,
	"SlowDown":             true,
	"SlowDownRead":         true,
	"SlowDownWrite":        true,
	"InternalError":        true,
	"ServiceUnavailable":   true,
	"ExpiredToken":         false,
}

// IsRetryable reports whether err, or any error in its chain, is transient:
// an S3 5xx / 408 / 429 / throttling response, a connection reset, refused
// or broken, a network timeout, or a stream that ended early. Cancellation
// of the caller's context is never retryable.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The caller gave up; a single request's own timeout shows up as a
		// net.Error timeout instead.
		return false
	}
	var r interface{ Retryable() bool }
	if errors.As(err, &r) && r.Retryable() {
		return true
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		if v, ok := retryableCodes[er.Code]; ok {
			return v
		}
		switch er.StatusCode {
		case 408, 429, 499, 500, 502, 503, 504, 520:
			return true
		}
		return false
	}
	var erp *minio.ErrorResponse
	if errors.As(err, &erp) && erp != nil {
		return IsRetryable(*erp)
	}
	switch {
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return false
}

// backoff is a capped, jittered exponential backoff policy.
type backoff struct {
	attempts int           // total tries, >= 1
	base     time.Duration // first wait before jitter
	max      time.Duration // cap of one wait
}

// defaultBackoff returns the policy for retries attempts (0 = default).
func defaultBackoff(retries int) backoff {
	if retries <= 0 {
		retries = DefaultRetries
	}
	return backoff{attempts: retries, base: 100 * time.Millisecond, max: 5 * time.Second}
}

// wait returns the pause before try number i+1 (i counts from 0): full
// jitter over min(max, base*2^i), so many workers do not retry in step.
func (b backoff) wait(i int) time.Duration {
	d := b.base << min(i, 30)
	if d <= 0 || d > b.max {
		d = b.max
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// do runs op until it succeeds, fails with a non-retryable error, the
// attempts run out, or ctx is cancelled. It returns op's last error.
func (b backoff) do(ctx context.Context, op func() error) error {
	var err error
	for i := 0; i < b.attempts; i++ {
		if i > 0 {
			t := time.NewTimer(b.wait(i - 1))
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("%w (retry stopped: %w)", err, ctx.Err())
			case <-t.C:
			}
		}
		if err = op(); err == nil || !IsRetryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}
