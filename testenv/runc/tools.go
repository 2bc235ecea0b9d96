//go:build tools

// Package tools pins runc, the OCI runtime the test node's containerd calls; it is never compiled.
// Debian's runc 1.1.5 cannot start a sandbox on this kernel ("can't get final child's PID from pipe: EOF").
package tools

import _ "github.com/opencontainers/runc"
