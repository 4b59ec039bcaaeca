package objstore

import "fmt"

// CheckMeta checks user metadata for PutMeta: keys of ASCII letters,
// digits, '-' and '_'; values of printable ASCII (S3 sends them as HTTP
// header values). Errors wrap ErrBadMeta.
func CheckMeta(meta map[string]string) error {
	for k, v := range meta {
		if k == "" {
			return fmt.Errorf("%w: empty key", ErrBadMeta)
		}
		for i := 0; i < len(k); i++ {
			c := k[i]
			if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' {
				return fmt.Errorf("%w: key %q", ErrBadMeta, k)
			}
		}
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 || v[i] > 0x7e {
				return fmt.Errorf("%w: value of %q holds a byte outside printable ASCII at %d", ErrBadMeta, k, i)
			}
		}
	}
	return nil
}
