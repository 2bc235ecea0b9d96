//go:build tools

// Package tools pins the OCI distribution registry the test node pulls nfsprov's image from (scripts/dev-cluster up --node) and
// scripts/release pushes to in the tests; built from its Go module like the other upstream binaries.
package tools

import _ "github.com/distribution/distribution/v3/cmd/registry"
