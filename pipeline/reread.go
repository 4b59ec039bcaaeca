package pipeline

import (
	"context"
	"io"
	"strings"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/pipeline/readers"
	"github.com/prov-ai/prov/schemas"
)

// RecordReader returns a reader of one input object's records from st,
// read as a run of dataset ds reads them: the dataset's field map and the
// line limit of the first input whose prefix holds the key (the input plan
// picks). `prov cert verify --rehash` is given it (certificate.ReadRecords).
func RecordReader(st objstore.Store, ds *schemas.DatasetConfig, reg *schemas.SourceRegistry) func(ctx context.Context, in schemas.InputObject, fn func(*schemas.Record) error) error {
	return func(ctx context.Context, in schemas.InputObject, fn func(*schemas.Record) error) error {
		maxLine := 0
		for _, ic := range ds.Inputs {
			if strings.HasPrefix(in.Key, ic.Prefix) {
				maxLine = ic.MaxLine
				break
			}
		}
		input := readers.Input{URI: in.URI, Key: in.Key, Format: in.Format, Size: in.Size,
			Open: func(ctx context.Context, off, length int64) (io.ReadCloser, error) {
				return st.Get(ctx, in.Key, objstore.GetOptions{Offset: off, Length: length})
			}}
		fm := ds.ObjectReadMap(reg, in.Key, in.Source)
		return readers.Read(ctx, input, readers.Options{Map: &fm, MaxLine: maxLine}, fn)
	}
}
