package snapshotter

import (
	"fmt"
	"math"
	"time"

	lib "libsnapshotter.dev/bindings/go"
)

// defaultDiskHighThresholdPercent is d7y.io/snapshotter's default high threshold, and the library's:
// a low threshold above it is ignored as one above a high threshold that is set.
const defaultDiskHighThresholdPercent = 90

// gcOptions are the library's GC options for gc: the default where a field is nil and, as
// d7y.io/snapshotter does, where its value is out of the field's range. Values the library cannot
// take as they are (a fraction of a percent or of a second, a threshold of 0) are errors naming
// the field rather than silently different settings.
func gcOptions(gc GC) (lib.GCOptions, error) {
	var options lib.GCOptions // zero: the library's defaults
	high := float64(defaultDiskHighThresholdPercent)
	if d := gc.Interval; d != nil && *d > 0 {
		if err := wholeSeconds(*d, "GC.Interval"); err != nil {
			return options, err
		}
		options.Interval = *d
	}
	if p := gc.DiskHighThresholdPercent; p != nil && *p >= 0 && *p <= 100 {
		if *p == 0 {
			return options, fmt.Errorf("GC.DiskHighThresholdPercent 0 (collecting at any disk usage) is not supported: use 1 or more")
		}
		percent, err := wholePercent(*p, "GC.DiskHighThresholdPercent")
		if err != nil {
			return options, err
		}
		options.HighWatermarkPercent, high = percent, *p
	}
	if p := gc.DiskLowThresholdPercent; p != nil && *p >= 0 && *p <= high {
		if *p == 0 {
			return options, fmt.Errorf("GC.DiskLowThresholdPercent 0 (freeing down to an empty disk) is not supported: use 1 or more")
		}
		percent, err := wholePercent(*p, "GC.DiskLowThresholdPercent")
		if err != nil {
			return options, err
		}
		options.LowWatermarkPercent = percent
	}
	if n := gc.BatchSize; n != nil && *n > 0 {
		if uint64(*n) > math.MaxUint32 {
			return options, fmt.Errorf("GC.BatchSize %d is too large", *n)
		}
		options.BatchSize = uint32(*n)
	}
	if d := gc.MinRetentionPeriod; d != nil && *d > 0 {
		if err := wholeSeconds(*d, "GC.MinRetentionPeriod"); err != nil {
			return options, err
		}
		options.MinRetention = *d
	}
	return options, nil
}

func wholeSeconds(d time.Duration, field string) error {
	if d%time.Second != 0 {
		return fmt.Errorf("%s %v is not a whole number of seconds", field, d)
	}
	return nil
}

func wholePercent(p float64, field string) (uint32, error) {
	if p != math.Trunc(p) {
		return 0, fmt.Errorf("%s %v is not a whole percent", field, p)
	}
	return uint32(p), nil
}
