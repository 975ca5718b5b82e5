// Package parallel runs independent pieces of work on several goroutines
// while the caller keeps their order: results go into slots indexed like the
// input, so what is produced never depends on scheduling or on how many
// workers ran (issue 13: a fleet of CoreDBs is a thousand independent
// compiles, and a CI runner or an Argo CD repo server has more than one CPU).
package parallel

import "sync"

// Each calls fn(i) for every i in [0, n), on at most workers goroutines at
// once. workers <= 1 (or n <= 1) calls fn in order on the caller's
// goroutine, so a sequential run has no goroutine overhead and the same
// stack traces. fn must only write state that belongs to i. Each returns
// when every call has returned.
func Each(n, workers int, fn func(i int)) {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	// Items are handed out one at a time from a shared counter rather than
	// in fixed blocks: CoreDBs differ in cost (a stacked one builds ten
	// times the objects of a plain one), and blocks would leave a worker
	// idle behind the slowest.
	var (
		mu   sync.Mutex
		next int
		wg   sync.WaitGroup
	)
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= n {
			return 0, false
		}
		next++
		return next - 1, true
	}
	for range workers {
		wg.Go(func() {
			for i, ok := take(); ok; i, ok = take() {
				fn(i)
			}
		})
	}
	wg.Wait()
}
