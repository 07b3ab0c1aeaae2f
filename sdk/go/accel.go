package sdk

import "github.com/kafkawasm/kafkawasm/sdk/go/kwjson"

// Host-accelerated primitives (ABI 1.1, docs/ABI.md "Host primitives"):
// they run at native speed in the host. A module imports them only if it
// calls them (the Go linker drops unused imports), and a module that
// imports them needs a host that speaks ABI 1.1. Built natively (tests),
// they run the same Go code in-process.

// SHA256 returns the SHA-256 digest of data, computed by the host.
func SHA256(data []byte) [32]byte { return hostSHA256(data) }

// ParseJSON parses src into d like d.Parse (same documents, same errors,
// same Doc afterwards) with the host's JSON scanner: the host tokenizes
// src in place and writes the tape into d's buffers. src must not change
// while values of d are in use.
func ParseJSON(d *kwjson.Doc, src []byte) error { return d.ParseWith(src, 0, hostScanJSON) }

// ParseJSONSorted is ParseJSON followed by d.SortMembers, both done by the
// host: every object's members come in ascending key order (stable).
func ParseJSONSorted(d *kwjson.Doc, src []byte) error {
	return d.ParseWith(src, kwjson.ScanSortKeys, hostScanJSON)
}
