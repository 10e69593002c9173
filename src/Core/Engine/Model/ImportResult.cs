namespace Snapshotter.Engine;

/// <summary>The snapshot an import recorded (or found already recorded, identical), and what the import did.</summary>
public sealed record ImportResult(string Name, string Version, OperationStats Stats);
