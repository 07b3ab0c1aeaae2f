package cli

import (
	goruntime "runtime"
	"strings"
)

var (
	runtimeGOOS   = goruntime.GOOS
	runtimeGOARCH = goruntime.GOARCH
)

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
