package main

import (
	"bytes"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// termMux shares a terminal between the progress bar and the log: a log
// line first erases the bar's line, is written on its own line, and the
// bar is drawn again below it. Without it a log line would be appended to
// the bar's line.
type termMux struct {
	mu   sync.Mutex
	w    io.Writer
	line []byte // what the bar has drawn on the current line; empty when none
}

// barWriter is the progress bar's side of a termMux.
type barWriter struct{ m *termMux }

// logWriter is the log handler's side of a termMux.
type logWriter struct{ m *termMux }

func (b barWriter) Write(p []byte) (int, error) {
	m := b.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if i := bytes.LastIndexAny(p, "\r\n"); i >= 0 {
		m.line = append(m.line[:0], p[i+1:]...)
	} else {
		m.line = append(m.line, p...)
	}
	return m.w.Write(p)
}

func (l logWriter) Write(p []byte) (int, error) {
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	drawn := len(bytes.TrimSpace(m.line)) > 0
	if drawn {
		// carriage return, then erase the line (ANSI EL2): we only
		// draw the bar on a terminal.
		if _, err := io.WriteString(m.w, "\r\x1b[2K"); err != nil {
			return 0, err
		}
	}
	n, err := m.w.Write(p)
	if err == nil && drawn {
		_, err = m.w.Write(append([]byte{'\r'}, m.line...))
	}
	return n, err
}

// stderrMux is the terminal mux of stderr; setupLogging writes the text log
// through it when stderr is a terminal.
var stderrMux = &termMux{}

// newProgressBar returns a byte-counting bar of unknown total drawn through
// m, and a function that ends it with a newline.
func newProgressBar(m *termMux, description string) (*progressbar.ProgressBar, func()) {
	bw := barWriter{m}
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetDescription(description),
		progressbar.OptionSetWriter(bw),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionSetWidth(10),
		progressbar.OptionThrottle(65*time.Millisecond),
		progressbar.OptionShowCount(),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionFullWidth(),
		progressbar.OptionSetRenderBlankState(true),
	)
	return bar, func() {
		_ = bar.Finish()
		_, _ = bw.Write([]byte("\n"))
	}
}
