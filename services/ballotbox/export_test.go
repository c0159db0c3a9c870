package ballotbox

// EncodeBatchForTest is encodeBatch, for the external tests.
var EncodeBatchForTest = encodeBatch
