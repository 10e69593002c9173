using System.Runtime.CompilerServices;

// Only blittable types cross the boundary; nothing relies on runtime marshalling.
[assembly: DisableRuntimeMarshalling]
