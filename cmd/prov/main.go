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
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/schemas"
)

// Exit codes, documented in the README.
const (
	exitOK    = 0 // done
	exitError = 1 // error
	exitUsage = 2 // bad usage or configuration
	exitGate  = 3 // done, but a policy gate failed
)

// errGate is returned by commands that finished but whose policy gate failed.
var errGate = errors.New("a policy gate failed")

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
		PersistentPostRun: func(*cobra.Command, []string) {
			pprof.StopCPUProfile()
			writeMemProfile(flags.memProfile)
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

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err))
}

// exitCode maps an error to the process exit code and prints it.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errGate) {
		fmt.Fprintln(os.Stderr, "prov:", termSafeLines(err.Error()))
		return exitGate
	}
	fmt.Fprintln(os.Stderr, "prov:", termSafeLines(err.Error()))
	var ue usageError
	var ce *schemas.ConfigError
	switch {
	case errors.As(err, &ue), errors.As(err, &ce), errors.Is(err, schemas.ErrConfig):
		return exitUsage
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

// startProfile starts a CPU profile when path is set; PersistentPostRun
// stops it (a failing command's profile is cut short: it is a tool for
// measuring runs that work).
func startProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return usageError{fmt.Errorf("creating --cpuprofile %s: %w", path, err)}
	}
	return pprof.StartCPUProfile(f)
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
	var h slog.Handler = slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l})
	if isTerminal(os.Stderr) {
		h = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})
	}
	slog.SetDefault(slog.New(h))
	return nil
}
