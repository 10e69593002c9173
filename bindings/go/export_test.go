package snapshotter

// Closing reports whether Close has begun on s: by then it has cancelled every call in flight.
func Closing(s *Snapshotter) bool {
	return s.calls.isClosing()
}
