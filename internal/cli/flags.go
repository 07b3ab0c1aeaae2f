package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// errHelp is returned by parse when -h/--help was given (help printed).
var errHelp = flag.ErrHelp

// flags wraps a flag.FlagSet with long/short aliases ("c,config") and a
// help text with examples. Go's flag package accepts -name and --name.
type flags struct {
	fs       *flag.FlagSet
	cmd      *command
	docs     []flagDoc
	logFmt   string
	logLevel string
	common   int // docs[:common] are the flags every command has
}

type flagDoc struct {
	names []string
	arg   string
	usage string
}

func newFlags(cmd *command) *flags {
	f := &flags{fs: flag.NewFlagSet(cmd.name, flag.ContinueOnError), cmd: cmd}
	f.fs.SetOutput(io.Discard)
	f.String(&f.logFmt, "log-format", "text", "FORMAT", "log format on stderr: text or json")
	f.String(&f.logLevel, "log-level", "info", "LEVEL", "log level: debug, info, warn or error")
	f.common = len(f.docs)
	return f
}

func (f *flags) add(names, arg, usage string, def any, bind func(name string)) {
	ns := strings.Split(names, ",")
	for _, n := range ns {
		bind(n)
	}
	if def != nil && fmt.Sprint(def) != "" && fmt.Sprint(def) != "false" && fmt.Sprint(def) != "0" {
		usage += fmt.Sprintf(" (default %v)", def)
	}
	f.docs = append(f.docs, flagDoc{names: ns, arg: arg, usage: usage})
}

// String defines a string flag under every name in names.
func (f *flags) String(p *string, names, def, arg, usage string) {
	*p = def
	f.add(names, arg, usage, def, func(n string) { f.fs.StringVar(p, n, def, usage) })
}

// Int defines an int flag.
func (f *flags) Int(p *int, names string, def int, arg, usage string) {
	*p = def
	f.add(names, arg, usage, def, func(n string) { f.fs.IntVar(p, n, def, usage) })
}

// Bool defines a boolean flag.
func (f *flags) Bool(p *bool, names string, usage string) {
	f.add(names, "", usage, nil, func(n string) { f.fs.BoolVar(p, n, false, usage) })
}

// Duration defines a duration flag.
func (f *flags) Duration(p *time.Duration, names string, def time.Duration, usage string) {
	*p = def
	f.add(names, "DURATION", usage, def, func(n string) { f.fs.DurationVar(p, n, def, usage) })
}

// parse parses args, allowing flags after positional arguments (a lone
// "-" is a positional argument). It prints the help for -h/--help.
func (f *flags) parse(args []string, stdout io.Writer) ([]string, error) {
	var pos []string
	for {
		if err := f.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.help(stdout)
				return nil, errHelp
			}
			return nil, err
		}
		rest := f.fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops at the first non-flag; "--" ends flags for good.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// help prints usage, description, flags and examples.
func (f *flags) help(w io.Writer) {
	c := f.cmd
	fmt.Fprintf(w, "Usage:\n  kafkawasm %s\n\n%s\n", c.usage, strings.TrimSpace(c.long))
	if len(f.docs) > 0 {
		fmt.Fprintf(w, "\nFlags:\n")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, d := range append(f.docs[f.common:len(f.docs):len(f.docs)], f.docs[:f.common]...) {
			var names []string
			for _, n := range d.names {
				if len(n) == 1 {
					names = append(names, "-"+n)
				} else {
					names = append(names, "--"+n)
				}
			}
			arg := ""
			if d.arg != "" {
				arg = " " + d.arg
			}
			fmt.Fprintf(tw, "  %s%s\t%s\n", strings.Join(names, ", "), arg, d.usage)
		}
		tw.Flush()
	}
	if ex := strings.TrimSpace(c.examples); ex != "" {
		fmt.Fprintf(w, "\nExamples:\n")
		for _, line := range strings.Split(ex, "\n") {
			fmt.Fprintf(w, "  %s\n", strings.TrimSpace(line))
		}
	}
}
