package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

import (
	"context"
	"time"
)

// GCOptions mirror snapshotter_gc_options: how the store is collected, by the background collector
// of every handle and by GC. The zero value is the library's defaults (those of Dragonfly's Go
// snapshotter): every zero field means its default, and the No* fields turn off what a zero cannot.
// Durations are whole seconds.
type GCOptions struct {
	// NoBackground starts no background collector: collections happen only through GC.
	NoBackground bool
	// Interval is the background collector's period; 0 means 5 minutes.
	Interval time.Duration
	// HighWatermarkPercent of disk usage starts eviction (0 means 90); it goes on until usage is
	// below LowWatermarkPercent (0 means 70, or HighWatermarkPercent when that is lower).
	HighWatermarkPercent, LowWatermarkPercent uint32
	// NoDiskEviction turns eviction for disk usage off.
	NoDiskEviction bool
	// BatchSize snapshots are evicted per batch (0 means 10), at most MaxBatches batches per
	// collection (0 means 100).
	BatchSize, MaxBatches uint32
	// KeepLast keeps only the newest N versions of each name (0: all).
	KeepLast uint32
	// MinRetention: snapshots used more recently are never evicted; 0 means 5 minutes.
	MinRetention time.Duration
	// NoMinRetention lets a collection evict snapshots however recently used.
	NoMinRetention bool
	// MaxAge evicts snapshots unused for longer (0: never).
	MaxAge time.Duration
	// MaxStoreBytes evicts while the stored content exceeds it (0: never).
	MaxStoreBytes uint64
	// OrphanGrace keeps unreferenced content and foreign temporary files younger than this; 0
	// means 1 hour.
	OrphanGrace time.Duration
	// NoOrphanGrace removes orphans however young.
	NoOrphanGrace bool
}

func (o *GCOptions) toC(a *arena) *C.snapshotter_gc_options {
	c := cnew[C.snapshotter_gc_options](a)
	a.init(C.snapshotter_gc_options_init(c, C.SNAPSHOTTER_GC_OPTIONS_VERSION), "snapshotter_gc_options")
	for _, f := range []struct {
		set  bool
		flag C.uint32_t
	}{
		{o.NoBackground, C.SNAPSHOTTER_GC_NO_BACKGROUND},
		{o.NoDiskEviction, C.SNAPSHOTTER_GC_NO_DISK_EVICTION},
		{o.NoMinRetention, C.SNAPSHOTTER_GC_NO_MIN_RETENTION},
		{o.NoOrphanGrace, C.SNAPSHOTTER_GC_NO_ORPHAN_GRACE},
	} {
		if f.set {
			c.flags |= f.flag
		}
	}
	for _, d := range []struct {
		value time.Duration
		field string
	}{{o.Interval, "gc.interval"}, {o.MinRetention, "gc.min_retention"}, {o.MaxAge, "gc.max_age"}, {o.OrphanGrace, "gc.orphan_grace"}} {
		if d.value < 0 {
			a.fail(d.field, "is negative")
		}
	}
	c.interval_seconds = C.uint64_t(o.Interval / time.Second)
	c.high_watermark_percent = C.uint32_t(o.HighWatermarkPercent)
	c.low_watermark_percent = C.uint32_t(o.LowWatermarkPercent)
	c.batch_size = C.uint32_t(o.BatchSize)
	c.max_batches = C.uint32_t(o.MaxBatches)
	c.keep_last = C.uint32_t(o.KeepLast)
	c.min_retention_seconds = C.uint64_t(o.MinRetention / time.Second)
	c.max_age_seconds = C.uint64_t(o.MaxAge / time.Second)
	c.max_store_bytes = C.uint64_t(o.MaxStoreBytes)
	c.orphan_grace_seconds = C.uint64_t(o.OrphanGrace / time.Second)
	return c
}

// GCReason says why a snapshot was evicted (snapshotter_gc_reason).
type GCReason uint32

const (
	GCReasonDiskUsage GCReason = C.SNAPSHOTTER_GC_REASON_DISK_USAGE
	GCReasonStoreSize GCReason = C.SNAPSHOTTER_GC_REASON_STORE_SIZE
	GCReasonMaxAge    GCReason = C.SNAPSHOTTER_GC_REASON_MAX_AGE
	GCReasonKeepLast  GCReason = C.SNAPSHOTTER_GC_REASON_KEEP_LAST
)

// GCRequest mirrors snapshotter_gc_request.
type GCRequest struct {
	// DryRun only reports what a collection would do.
	DryRun bool
}

// EvictedSnapshot mirrors snapshotter_gc_evicted.
type EvictedSnapshot struct {
	Name, Version string
	Reason        GCReason
	LastUsed      time.Time
	// ContentRemoved content objects whose last reference it was, BytesFreed their bytes.
	ContentRemoved, BytesFreed uint64
}

// GCReport is what a collection did: snapshotter_gc_report's summary and evicted snapshots.
type GCReport struct {
	DryRun                                    bool
	DiskTotalBytes, DiskUsedBytes, StoreBytes uint64
	Batches                                   uint64
	// Evicted is least recently used first.
	Evicted                            []EvictedSnapshot
	ContentRemoved, ContentBytesFreed  uint64
	OrphanTempFiles, OrphanContent     uint64
	OrphanSnapshotFiles, OrphanRecords uint64
	OrphanBytesFreed                   uint64
}

// GC runs one collection now with the handle's GCOptions (waiting for one in progress elsewhere),
// or with DryRun reports what it would do. ctx cancels it.
func (s *Snapshotter) GC(ctx context.Context, req GCRequest) (GCReport, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_gc_request](&a)
	a.init(C.snapshotter_gc_request_init(c, C.SNAPSHOTTER_GC_REQUEST_VERSION), "snapshotter_gc_request")
	if req.DryRun {
		c.flags = C.SNAPSHOTTER_GC_DRY_RUN
	}
	if a.err != nil {
		return GCReport{}, a.err
	}
	var out *C.snapshotter_gc_report
	err := s.run(ctx, nil, func(handle *C.snapshotter, ctl control, cerr **C.snapshotter_error) C.snapshotter_code {
		c.cancel = ctl.cancel
		return C.snapshotter_gc(&out, handle, c, cerr)
	})
	if err != nil {
		return GCReport{}, err
	}
	defer C.snapshotter_gc_report_free(out)
	sum := C.snapshotter_gc_report_summary(out)
	report := GCReport{
		DryRun: sum.dry_run != 0, DiskTotalBytes: uint64(sum.disk_total_bytes), DiskUsedBytes: uint64(sum.disk_used_bytes),
		StoreBytes: uint64(sum.store_bytes), Batches: uint64(sum.batches),
		ContentRemoved: uint64(sum.content_removed), ContentBytesFreed: uint64(sum.content_bytes_freed),
		OrphanTempFiles: uint64(sum.orphan_temp_files), OrphanContent: uint64(sum.orphan_content),
		OrphanSnapshotFiles: uint64(sum.orphan_snapshot_files), OrphanRecords: uint64(sum.orphan_records),
		OrphanBytesFreed: uint64(sum.orphan_bytes_freed),
	}
	for i, n := C.size_t(0), C.snapshotter_gc_report_evicted_count(out); i < n; i++ {
		e := C.snapshotter_gc_report_evicted_get(out, i)
		report.Evicted = append(report.Evicted, EvictedSnapshot{
			Name: C.GoString(e.name), Version: C.GoString(e.snapshot_version), Reason: GCReason(e.reason),
			LastUsed: time.Unix(0, int64(e.last_used_ns)), ContentRemoved: uint64(e.content_removed), BytesFreed: uint64(e.bytes_freed),
		})
	}
	return report, nil
}

// ProblemKind says what is wrong with a store (snapshotter_problem_kind).
type ProblemKind uint32

const (
	ProblemCorruptContent       ProblemKind = C.SNAPSHOTTER_PROBLEM_CORRUPT_CONTENT
	ProblemMissingContent       ProblemKind = C.SNAPSHOTTER_PROBLEM_MISSING_CONTENT
	ProblemCorruptSnapshotFile  ProblemKind = C.SNAPSHOTTER_PROBLEM_CORRUPT_SNAPSHOT_FILE
	ProblemMissingSnapshotFile  ProblemKind = C.SNAPSHOTTER_PROBLEM_MISSING_SNAPSHOT_FILE
	ProblemDanglingRecord       ProblemKind = C.SNAPSHOTTER_PROBLEM_DANGLING_RECORD
	ProblemUnrestorableSnapshot ProblemKind = C.SNAPSHOTTER_PROBLEM_UNRESTORABLE_SNAPSHOT
	ProblemStrayFile            ProblemKind = C.SNAPSHOTTER_PROBLEM_STRAY_FILE
	ProblemCorruptMetadata      ProblemKind = C.SNAPSHOTTER_PROBLEM_CORRUPT_METADATA
)

// VerifyRequest mirrors snapshotter_verify_request.
type VerifyRequest struct {
	// Repair fixes what is repairable.
	Repair bool
	// Progress, when set, is called as files are re-hashed, on a library thread.
	Progress func(Progress)
}

// Problem mirrors snapshotter_verify_problem.
type Problem struct {
	Kind     ProblemKind
	Repaired bool
	// Subject is a digest ("xxh3:..."), a snapshot ("name:version") or a path.
	Subject, Message string
}

// VerifyReport is what a verification found: snapshotter_verify_report's summary and problems. The
// store is clean when Problems is empty.
type VerifyReport struct {
	SnapshotsChecked, ContentChecked, SnapshotFilesChecked, BytesChecked uint64
	UnreferencedContent                                                  uint64
	Problems                                                             []Problem
	ProblemsUnrepaired                                                   uint64
}

// Verify checks the whole store: every object re-hashed, every snapshot restorable; with Repair it
// fixes what can be fixed. Problems are the report's, not errors. ctx cancels it.
func (s *Snapshotter) Verify(ctx context.Context, req VerifyRequest) (VerifyReport, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_verify_request](&a)
	a.init(C.snapshotter_verify_request_init(c, C.SNAPSHOTTER_VERIFY_REQUEST_VERSION), "snapshotter_verify_request")
	if req.Repair {
		c.flags = C.SNAPSHOTTER_VERIFY_REPAIR
	}
	if a.err != nil {
		return VerifyReport{}, a.err
	}
	var out *C.snapshotter_verify_report
	err := s.run(ctx, req.Progress, func(handle *C.snapshotter, ctl control, cerr **C.snapshotter_error) C.snapshotter_code {
		c.cancel, c.progress, c.progress_payload = ctl.cancel, ctl.progress, ctl.payload
		return C.snapshotter_verify(&out, handle, c, cerr)
	})
	if err != nil {
		return VerifyReport{}, err
	}
	defer C.snapshotter_verify_report_free(out)
	sum := C.snapshotter_verify_report_summary(out)
	report := VerifyReport{
		SnapshotsChecked: uint64(sum.snapshots_checked), ContentChecked: uint64(sum.content_checked),
		SnapshotFilesChecked: uint64(sum.snapshot_files_checked), BytesChecked: uint64(sum.bytes_checked),
		UnreferencedContent: uint64(sum.unreferenced_content), ProblemsUnrepaired: uint64(sum.problems_unrepaired),
	}
	for i, n := C.size_t(0), C.snapshotter_verify_report_problem_count(out); i < n; i++ {
		p := C.snapshotter_verify_report_problem_get(out, i)
		report.Problems = append(report.Problems, Problem{
			Kind: ProblemKind(p.kind), Repaired: p.repaired != 0, Subject: C.GoString(p.subject), Message: C.GoString(p.message),
		})
	}
	return report, nil
}
