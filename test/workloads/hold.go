// Evidence workload (Go): keeps a live set of LIVE_MIB mebibytes in 1 MiB slices while it allocates
// CHURN_MIB more, replacing the oldest live slice each time, so the garbage the GC has not collected yet
// sits on top of the live set: under the default GOGC=100 the heap grows to about twice the live set
// before a collection, and GOMEMLIMIT makes the GC collect sooner. Every slice is written so its pages
// are really resident. Exits 0 after HOLD_MS.
// Usage: hold LIVE_MIB [CHURN_MIB] [HOLD_MS]
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func fill(chunk []byte, seed int) {
	for j := 0; j < len(chunk); j += 512 {
		chunk[j] = byte(seed + j + 1)
	}
}

func arg(i int, fallback int) int {
	if len(os.Args) <= i {
		return fallback
	}
	n, err := strconv.Atoi(os.Args[i])
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: hold LIVE_MIB [CHURN_MIB] [HOLD_MS]")
		os.Exit(2)
	}
	return n
}

func main() {
	live := arg(1, -1)
	if live < 0 {
		fmt.Fprintln(os.Stderr, "usage: hold LIVE_MIB [CHURN_MIB] [HOLD_MS]")
		os.Exit(2)
	}
	churn := arg(2, 0)
	holdMs := arg(3, 300)
	held := make([][]byte, live)
	for i := range held {
		held[i] = make([]byte, 1<<20)
		fill(held[i], i)
	}
	for i := 0; i < churn && live > 0; i++ {
		chunk := make([]byte, 1<<20)
		fill(chunk, i)
		held[i%live] = chunk
	}
	time.Sleep(time.Duration(holdMs) * time.Millisecond)
	fmt.Printf("held %d MiB after %d MiB of churn\n", len(held), churn)
}
