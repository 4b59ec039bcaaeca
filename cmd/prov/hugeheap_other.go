//go:build !linux

package main

// prepareHugeHeap advises huge pages for the heap on Linux only.
func prepareHugeHeap() {}
