package kafka

var DumpForTest = DebugDump
