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
