using Snapshotter.Dragonfly.Protos;

// Prints the message dfdaemon receives with every upload and download: its ToString() as a log line or an
// exception message would show it.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: ProtobufSecrets SECRET");
    return 2;
}

var storage = new ObjectStorage
{
    Region = "eu-west-1",
    AccessKeyId = "AKID",
    AccessKeySecret = args[0],
    SessionToken = args[0],
    SecurityToken = args[0],
};
Console.WriteLine(storage.ToString());
return 0;
