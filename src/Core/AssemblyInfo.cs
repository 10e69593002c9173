using System.Runtime.CompilerServices;

// Every native call is a source-generated LibraryImport over blittable types.
[assembly: DisableRuntimeMarshalling]
