import ArgumentParser

/// The options every scenario shares: whether the Python peer runs, and whether the figures go out as JSON.
struct SideOptions: ParsableArguments {
    /// Skip the Python peer.
    @Flag(name: .customLong("no-peer"), help: "Skip the Python peer.")
    var noPeer = false

    /// JSON lines on stdout, the table on stderr.
    @Flag(help: "Print one JSON line per scenario on stdout; the human table goes to stderr.")
    var json = false
}

/// `total` split into `parts` turns as even as whole numbers allow, the larger ones first (`10, 3` → `4, 3, 3`): the
/// cycles or seconds of each turn when the sides take turns.
func turns(of total: Int, in parts: Int) -> [Int] {
    (0..<parts).map { total / parts + ($0 < total % parts ? 1 : 0) }
}
