// Command prov checks generative-AI training data record by record (source
// legality, PI consent, IP licences, annotation rules), writes a lineage
// ledger, quality metrics and findings per dataset version, and issues a
// signed certificate that auditors verify offline.
//
// This package only wires flags, configuration and logging to the library
// packages; it holds no logic.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/jsonesc"
	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/lineage/serve"
	"github.com/prov-ai/prov/pipeline"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/textesc"
)

// Exit codes, the contract documented in the README ("Exit codes") and
// enforced over every command by TestExitCodeContract.
const (
	exitOK    = 0 // done
	exitError = 1 // runtime error (I/O, store, ledger, a bug): a rerun resumes
	exitUsage = 2 // bad usage or configuration: a rerun fails the same way
	exitGate  = 3 // done, but a policy gate failed
)

// errGate is returned by commands that finished but whose policy gate
// failed; it is the pipeline's sentinel so its message is not repeated.
var errGate = pipeline.ErrGate

// usageSentinels are errors of the library packages that mean the
// configuration or the command line is wrong, not the run: they exit 2.
var usageSentinels = []error{
	schemas.ErrConfig,
	pipeline.ErrNoDataset,
	lineage.ErrConfig,
	lineage.ErrNoSigningKey,
	lineage.ErrNoPublicKey,
	lineage.ErrNoSubjectKey,
	lineage.ErrKeyExists,
	serve.ErrConfig,
}

// usageError marks bad command-line usage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// subcommands are registered by the files of this package: parent "" is the
// root, otherwise the name of a group command (detect, lineage, ledger, cert,
// export, assess).
var subcommands []struct {
	parent string
	build  func() *cobra.Command
}

func register(parent string, build func() *cobra.Command) {
	subcommands = append(subcommands, struct {
		parent string
		build  func() *cobra.Command
	}{parent, build})
}

// globals holds the persistent flags shared by every command.
type globals struct {
	config     string
	logLevel   string
	cpuProfile string
	memProfile string
}

var flags globals

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "prov",
		Short:         "Prove that generative-AI training data is lawful",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := setupLogging(flags.logLevel); err != nil {
				return err
			}
			return startProfile(flags.cpuProfile)
		},
	}
	def := os.Getenv("PROV_CONFIG")
	root.PersistentFlags().StringVarP(&flags.config, "config", "c", def, "configuration file (env PROV_CONFIG)")
	root.PersistentFlags().StringVar(&flags.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.PersistentFlags().StringVar(&flags.cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file (go tool pprof)")
	root.PersistentFlags().StringVar(&flags.memProfile, "memprofile", "", "write a heap profile (allocations and in-use memory) at the end of the command to this file")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	groups := map[string]*cobra.Command{"": root}
	for _, g := range []struct{ name, short string }{
		{"detect", "Run one detector on files (debugging and evaluation)"},
		{"lineage", "Query the lineage ledger"},
		{"ledger", "Verify the ledger and print checkpoints"},
		{"cert", "Issue and verify dataset certificates"},
		{"export", "Export OpenLineage events, Croissant cards and the EU training-content summary"},
		{"assess", "Export review samples and import reviewer verdicts"},
	} {
		c := &cobra.Command{Use: g.name, Short: g.short, Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
		groups[g.name] = c
	}
	for _, s := range subcommands {
		if p, ok := groups[s.parent]; ok {
			p.AddCommand(s.build())
		}
	}
	for name, g := range groups {
		if name != "" && g.HasSubCommands() {
			root.AddCommand(g)
		}
	}
	return root
}

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT
// is not set: prov's live heap stays well under it (streaming, bounded
// states), so it only makes the collector return garbage sooner and keeps
// the peak RSS of a run predictable for batch pods (docs/operations.md).
const defaultMemoryLimit = 192 << 20

// workerMemoryLimit is what `prov run` adds to defaultMemoryLimit for each
// worker after the first: each holds its own reader buffers, stage states
// and segment writer. At 192 MiB, two workers on the 512 MB bench corpora
// ran at the limit (RSS 250-265 MB): the collector ran more often and the
// scavenger split the heap's huge pages (twice the minor faults).
const workerMemoryLimit = 128 << 20

// maxRunMemoryLimit caps the soft memory limit setRunMemoryLimit sets
// (runtime.NumCPU workers on a large host): past it, set GOMEMLIMIT.
const maxRunMemoryLimit = 1 << 30

// setRunMemoryLimit raises the soft memory limit for a run with n workers
// to defaultMemoryLimit plus workerMemoryLimit per worker after the first,
// at most maxRunMemoryLimit, unless GOMEMLIMIT sets it.
func setRunMemoryLimit(n int) {
	if os.Getenv("GOMEMLIMIT") != "" || n <= 1 {
		return
	}
	debug.SetMemoryLimit(min(defaultMemoryLimit+int64(n-1)*workerMemoryLimit, maxRunMemoryLimit))
}

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

// execute runs one command line and returns its exit code, printing the
// error (if any) to stderr. Errors cobra returns before a command starts
// (unknown command or flag, wrong number of arguments, a missing required
// flag) are usage errors. A panic of the command is recovered and exits 1
// with its stack: a bug is not a usage error, whatever the Go runtime's
// own exit code for a crash (2) would say. The profiles are written on
// every path, including a failed gate.
func execute(ctx context.Context, args []string, stderr io.Writer) (code int) {
	defer stopProfiles()
	defer func() {
		if r := recover(); r != nil {
			_, _ = fmt.Fprintf(stderr, "prov: internal error (a bug, please report it): %v\n%s", r, debug.Stack())
			code = exitError
		}
	}()
	root := newRoot()
	root.SetArgs(args)
	started := false
	markStarted(root, &started)
	err := root.ExecuteContext(ctx)
	if err != nil && !started {
		err = usageError{err}
	}
	code = exitCode(err)
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "prov:", textesc.Lines(err.Error()))
		if code == exitUsage && !started {
			_, _ = fmt.Fprintln(stderr, "Run 'prov --help' or 'prov COMMAND --help' for usage.")
		}
	}
	return code
}

// markStarted wraps the RunE of c and its subcommands so *started tells
// whether a command's own code ran: an error before that is cobra's.
func markStarted(c *cobra.Command, started *bool) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			*started = true
			return run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		markStarted(sub, started)
	}
}

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errGate) {
		return exitGate
	}
	var ue usageError
	var ce *schemas.ConfigError
	if errors.As(err, &ue) || errors.As(err, &ce) {
		return exitUsage
	}
	for _, s := range usageSentinels {
		if errors.Is(err, s) {
			return exitUsage
		}
	}
	return exitError
}

// requireConfig returns the -c path or a usage error.
func requireConfig() (string, error) {
	if flags.config == "" {
		return "", usageError{errors.New("no configuration: pass -c CONFIG or set PROV_CONFIG")}
	}
	return flags.config, nil
}

// loadConfig loads the run configuration named by -c.
func loadConfig() (*schemas.Config, error) {
	p, err := requireConfig()
	if err != nil {
		return nil, err
	}
	return schemas.LoadConfig(p)
}

// cpuProfileFile is the open --cpuprofile file, closed by stopProfiles.
var cpuProfileFile *os.File

// startProfile starts a CPU profile when path is set; execute stops and
// flushes it whatever the command's outcome (exit 0, 1 or 3 alike).
func startProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return usageError{fmt.Errorf("creating --cpuprofile %s: %w", path, err)}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("starting --cpuprofile %s: %w", path, err)
	}
	cpuProfileFile = f
	return nil
}

// stopProfiles flushes and closes the CPU profile and writes the heap
// profile, when they were asked for.
func stopProfiles() {
	if f := cpuProfileFile; f != nil {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			slog.Warn("writing --cpuprofile", "path", f.Name(), "err", err)
		}
		cpuProfileFile = nil
	}
	writeMemProfile(flags.memProfile)
}

// writeMemProfile writes the heap profile when path is set. Its
// alloc_space samples show where a run allocates (go tool pprof
// -sample_index=alloc_space).
func writeMemProfile(path string) {
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err == nil {
		err = errors.Join(pprof.Lookup("heap").WriteTo(f, 0), f.Close())
	}
	if err != nil {
		slog.Warn("writing --memprofile", "path", path, "err", err)
	}
}

func setupLogging(level string) error {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return usageError{fmt.Errorf("parsing --log-level %q: %w", level, err)}
	}
	var h slog.Handler = slog.NewJSONHandler(jsonesc.Writer{W: os.Stderr}, &slog.HandlerOptions{Level: l})
	if isTerminal(os.Stderr) {
		// Through the mux: log lines never land on the progress bar's line.
		stderrMux.w = os.Stderr
		h = slog.NewTextHandler(logWriter{stderrMux}, &slog.HandlerOptions{Level: l})
	}
	slog.SetDefault(slog.New(h))
	return nil
}
