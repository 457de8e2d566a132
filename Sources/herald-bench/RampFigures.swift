/// What one side of the ramp benchmark measured at one level: the cycles it completed over the level's wall time,
/// their latencies, and the cycles that did not complete.
struct RampFigures {
    /// Cycles completed: the POST answered 200 and the matching frame received within the window.
    var cycles: Int
    /// Cycles started (or planned, for Herald's flows) that did not complete: a frame that never came within the
    /// window, a failed POST, or steps a flow never reached.
    var timeouts: Int
    /// Wall seconds of the level, from its start until the last actor stopped.
    var wall: Double
    /// CPU seconds of the side's own process over the level.
    var cpu: Double
    /// The completed cycles' latencies.
    var latency: Latency

    /// Adds another part of the same side's level: counts, seconds and latencies pooled.
    mutating func add(_ other: RampFigures) {
        cycles += other.cycles
        timeouts += other.timeouts
        wall += other.wall
        cpu += other.cpu
        latency.add(other.latency)
    }

    /// Completed cycles per wall second.
    var cyclesPerSecond: Double { wall > 0 ? Double(cycles) / wall : 0 }

    /// CPU microseconds per completed cycle.
    var cpuPerCycleMicroseconds: Double { cycles > 0 ? cpu / Double(cycles) * 1e6 : 0 }

    /// `{"cycles_per_s","p50_us","p99_us","timeouts"}`.
    var json: BenchJSON {
        .object([
            ("cycles_per_s", .number(cyclesPerSecond, places: 1)),
            ("p50_us", .number(latency.microseconds(at: 50), places: 1)),
            ("p99_us", .number(latency.microseconds(at: 99), places: 1)),
            ("timeouts", .int(timeouts)),
        ])
    }
}
