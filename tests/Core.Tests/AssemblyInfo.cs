using System.Runtime.Versioning;

// The library is Linux-only (SEEK_DATA, statx, renameat2, /proc/self/fd); so are its tests.
[assembly: SupportedOSPlatform("linux")]
