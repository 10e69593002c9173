package snapshotter

import (
	"math"
	"time"

	lib "libsnapshotter.dev/bindings/go"
)

// defaultDiskHighThresholdPercent is d7y.io/snapshotter's default high threshold, and the library's:
// a low threshold above it is ignored as one above a high threshold that is set.
const defaultDiskHighThresholdPercent = 90

// gcOptions are the library's GC options for gc: the default where a field is nil and, as
// d7y.io/snapshotter does, where its value is out of the field's range. The library counts whole
// percents and whole seconds, and reads 0 as its default; a value it cannot take as it is becomes the
// nearest one that collects no less than asked: thresholds round down (a threshold of 0 becomes 1 %,
// which leaves as little of the store), the interval rounds down (at least a second), the minimum
// retention rounds up.
func gcOptions(gc GC) lib.GCOptions {
	var options lib.GCOptions // zero: the library's defaults
	high := float64(defaultDiskHighThresholdPercent)
	if d := gc.Interval; d != nil && *d > 0 {
		options.Interval = maxDuration(d.Truncate(time.Second), time.Second)
	}
	if p := gc.DiskHighThresholdPercent; p != nil && *p >= 0 && *p <= 100 {
		options.HighWatermarkPercent, high = wholePercent(*p), *p
	}
	if p := gc.DiskLowThresholdPercent; p != nil && *p >= 0 && *p <= high {
		options.LowWatermarkPercent = wholePercent(*p)
	}
	if n := gc.BatchSize; n != nil && *n > 0 {
		options.BatchSize = uint32(min64(int64(*n), math.MaxUint32))
	}
	if d := gc.MinRetentionPeriod; d != nil && *d > 0 {
		options.MinRetention = (*d + time.Second - 1).Truncate(time.Second)
	}
	return options
}

// wholePercent is p rounded down, and at least 1 (the library reads 0 as its default).
func wholePercent(p float64) uint32 {
	return uint32(math.Max(math.Floor(p), 1))
}

func maxDuration(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}
