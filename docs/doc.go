// Package docs holds camsweep's own documentation (ARCHITECTURE.md, the wire
// facts of protocols/, vendors.md, formats.md) and the tests that keep the
// repository's citations of it resolving: every cited document exists in the
// repository, and every cited section is a heading of the file named.
package docs
