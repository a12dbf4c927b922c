// Package drills holds the fault drills as Go tests, each a way the shop
// could lose or double money in the field: the server killed mid-storm,
// Omise in trouble during checkout, webhook chaos, a refund race, an online
// backup, and on PostgreSQL a chain of three instances behind a proxy with
// one killed mid-run. Each is bounded in time and runs in CI with
// `go test ./...`; `go test -short` skips the slow ones (the crash, backup
// and chain drills, which build and start the real binary).
//
// The package has no code of its own: drills exercise the product through
// its public packages (payments, db, omise, omise/sim) and, for crash,
// backup and the chain, through the built `instore` binary.
package drills
