//go:build !unix

package licence

import "os"

type osFile struct{ *os.File }

func openRead(path string) (osFile, error) {
	f, err := os.Open(path)
	return osFile{f}, err
}

func (f osFile) Size() (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
