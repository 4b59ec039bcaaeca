package lineage

import (
	"context"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// upgradeIndex brings the record and subject indexes to recIndexVersion.
// A ledger written with another layout (version 1: one R key per record
// digest and one S key per (subject, record)) has them rebuilt from the
// stored record lists on a writable Open; a read-only Open fails with
// ErrIndexVersion. The rebuild is idempotent: the version is recorded
// last, so a crash midway rebuilds again at the next Open.
func (l *Ledger) upgradeIndex(ctx context.Context) error {
	var have uint64
	err := l.db.View(func(txn *badger.Txn) (err error) {
		have, err = getU64(txn, metaIndex)
		return err
	})
	if err != nil || have == recIndexVersion {
		return err
	}
	setVersion := func() error {
		return l.db.Update(func(txn *badger.Txn) error { return txn.Set(metaIndex, be64(recIndexVersion)) })
	}
	if l.size == 0 && have == 0 {
		if l.cfg.ReadOnly {
			return nil
		}
		return setVersion()
	}
	if l.cfg.ReadOnly {
		return fmt.Errorf("opening ledger %s: index layout %d, this prov reads %d; open it once writable (e.g. by prov run) to rebuild it: %w",
			l.cfg.Dir, max(have, 1), recIndexVersion, ErrIndexVersion)
	}
	l.log.Warn("rebuilding the record and subject indexes", "from_layout", max(have, 1), "to_layout", recIndexVersion)
	wb := l.db.NewWriteBatch()
	defer wb.Cancel()
	err = l.db.View(func(txn *badger.Txn) error {
		for _, p := range []byte{pRec, pSubj} {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{p}})
			for it.Rewind(); it.Valid(); it.Next() {
				if err := wb.Delete(it.Item().KeyCopy(nil)); err != nil {
					it.Close()
					return err
				}
			}
			it.Close()
		}
		for leaf := range l.size {
			if err := ctx.Err(); err != nil {
				return err
			}
			s, err := readEntry(txn, leaf)
			if err != nil {
				return err
			}
			if _, ok := s.Entry.(ObjectIngested); !ok {
				continue
			}
			refs, _, err := readRefs(txn, leaf, false)
			if err != nil {
				return err
			}
			if err := recordKeys(refs, leaf, wb.Set); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = wb.Flush()
	}
	if err != nil {
		return fmt.Errorf("rebuilding the record index of %s: %w", l.cfg.Dir, err)
	}
	return setVersion()
}
