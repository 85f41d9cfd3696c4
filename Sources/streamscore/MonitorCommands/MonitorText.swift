import Foundation
import StreamScoreContract
import StreamScoreMonitor

/// The text of `streamscore monitor`: a full view for terminals and `--once`, and key=value
/// lines for pipes and log files.
enum MonitorText {
    /// What the line output has already reported.
    struct LogCursor {
        var driftWindowEnds: [String: Int64] = [:]
        var lastEventMs: Int64 = .min
    }

    // MARK: Full view

    static func screen(_ s: MonitorSnapshot, brokers: String) -> [String] {
        let live = s.liveWorkers.count
        let stale = s.workers.count - live
        var lines = ["StreamScore monitor · \(s.topic) on \(brokers) · \(clock(s.nowMs)) · "
            + "\(plural(live, "worker")) live" + (stale > 0 ? ", \(stale) stale" : "") + feedNote(s.feed), ""]
        lines += workerTable(s)
        lines.append("")
        lines += driftLines(s)
        if !s.events.isEmpty {
            lines += ["", "MODEL EVENTS (newest first)"]
            lines += table(s.events.prefix(8).map { e in
                [clock(e.timeMs), e.model + (e.version.map { ":" + $0 } ?? ""), e.event.rawValue,
                 e.reason + (e.serving.map { " → serving \($0)" } ?? ""), e.worker]
            }, rightAligned: [])
        }
        return lines
    }

    private static func feedNote(_ feed: FeedStatus) -> String {
        switch feed.state {
        case .live: ""
        case .connecting: " · connecting to Kafka…"
        case .catchingUp: " · reading history (\(feed.recordsRead) records)…"
        case .failed: " · FEED FAILED: \(feed.error ?? "")"
        case .stopped: " · stopped"
        }
    }

    private static func workerTable(_ s: MonitorSnapshot) -> [String] {
        guard !s.workers.isEmpty else {
            return ["No worker has reported on \(s.topic) in the last \(s.windowSeconds / 60) minutes."]
        }
        let header = ["WORKER", "STATE", "RECORDS/S", "P50 MS", "P99 MS", "P99.9 MS", "BATCH", "IN-FLIGHT", "DLQ/S", "LAG", "MODELS"]
        var rows = s.workers.map { w in
            [w.id, w.state == .live ? "live" : "stale \(Int(w.ageSeconds.rounded())) s", number(w.recordsPerSecond),
             fixed(w.endToEndMs.p50), fixed(w.endToEndMs.p99), fixed(w.endToEndMs.p999), fixed(w.meanBatchRows, 1),
             grouped(Int64(w.inflightRows)), number(w.dlqPerSecond), grouped(w.consumerLag), models(w)]
        }
        let live = s.liveWorkers
        if live.count > 1 {
            rows.append(["TOTAL (\(live.count) live)", "", number(live.reduce(0) { $0 + $1.recordsPerSecond }),
                         "", fixed(live.map(\.endToEndMs.p99).max() ?? 0), fixed(live.map(\.endToEndMs.p999).max() ?? 0),
                         "", grouped(Int64(live.reduce(0) { $0 + $1.inflightRows })),
                         number(live.reduce(0) { $0 + $1.dlqPerSecond }), grouped(live.reduce(0) { $0 + $1.consumerLag }), ""])
        }
        return table([header] + rows, rightAligned: [2, 3, 4, 5, 6, 7, 8, 9])
    }

    /// `iris:1 [latest 2, canary 2 @10%, shadow 3, pinned, rolled back]`, per model.
    static func models(_ w: WorkerStatus) -> String {
        w.models.keys.sorted().map { name in
            let version = w.models[name] ?? "?"
            guard let r = w.routing?[name] else { return "\(name):\(version)" }
            var notes: [String] = []
            if r.latest != r.serving { notes.append("latest \(r.latest)") }
            if let c = r.canary { notes.append("canary \(c.version) @\(fixed(c.percent, c.percent == c.percent.rounded() ? 0 : 1))%") }
            if let shadow = r.shadow { notes.append("shadow \(shadow)") }
            if let pinned = r.pinned { notes.append("pinned \(pinned)") }
            if r.rolledBack { notes.append("rolled back") }
            return "\(name):\(r.serving)" + (notes.isEmpty ? "" : " [\(notes.joined(separator: ", "))]")
        }.joined(separator: ", ")
    }

    private static func driftLines(_ s: MonitorSnapshot) -> [String] {
        guard !s.drift.isEmpty else { return ["DRIFT: no drift records in the last \(s.windowSeconds / 60) minutes."] }
        var rows: [[String]] = []
        for d in s.drift {
            let l = d.latest
            let window = "\(grouped(Int64(l.rows))) rows, \(clock(l.windowStartMs))–\(clock(l.windowEndMs)), \(l.worker)"
            let drifted = d.features.filter(\.drifted)
            let detail: String
            if drifted.isEmpty {
                let worst = d.features.first.map { " (max PSI \(fixed($0.psi, 3)) \($0.feature))" } ?? ""
                detail = "no feature over \(threshold(l.threshold))\(worst)"
            } else {
                detail = "\(drifted.count)/\(d.features.count) features over \(threshold(l.threshold)): "
                    + drifted.prefix(4).map { "\($0.feature) \(fixed($0.psi, 3))" }.joined(separator: ", ")
            }
            let prediction = l.predictionPSI.map { "; prediction PSI \(fixed($0, 3))" } ?? ""
            rows.append(["\(d.model):\(d.version)", drifted.isEmpty ? "ok" : "DRIFT", detail + prediction, "(\(window))"])
        }
        return ["DRIFT (PSI against the training baseline, latest window per model version)"] + table(rows, rightAligned: [])
    }

    // MARK: Lines for pipes

    /// One line per worker, plus one per new drift window and new model event.
    static func logLines(_ s: MonitorSnapshot, cursor: inout LogCursor) -> [String] {
        let time = clock(s.nowMs)
        var lines: [String] = []
        if s.workers.isEmpty {
            lines.append("\(time) workers=0 feed=\(s.feed.state.rawValue) records_read=\(s.feed.recordsRead)")
        }
        for w in s.workers {
            lines.append("\(time) worker=\(w.id) state=\(w.state.rawValue) records/s=\(number(w.recordsPerSecond)) "
                + "p50_ms=\(fixed(w.endToEndMs.p50)) p99_ms=\(fixed(w.endToEndMs.p99)) p999_ms=\(fixed(w.endToEndMs.p999)) "
                + "batch=\(fixed(w.meanBatchRows, 1)) inflight=\(w.inflightRows) dlq/s=\(number(w.dlqPerSecond)) "
                + "lag=\(w.consumerLag) models=\(models(w).replacingOccurrences(of: " ", with: "_"))")
        }
        for d in s.drift {
            let key = "\(d.model):\(d.version)"
            guard cursor.driftWindowEnds[key] != d.latest.windowEndMs else { continue }
            cursor.driftWindowEnds[key] = d.latest.windowEndMs
            let drifted = d.features.filter(\.drifted).map { "\($0.feature):\(fixed($0.psi, 3))" }
            lines.append("\(time) drift model=\(key) drifting=\(d.isDrifting) threshold=\(d.latest.threshold) "
                + "features=\(drifted.isEmpty ? "-" : drifted.joined(separator: ",")) rows=\(d.latest.rows) worker=\(d.latest.worker)")
        }
        for e in s.events.reversed() where e.timeMs > cursor.lastEventMs {
            lines.append("\(time) event model=\(e.model) version=\(e.version ?? "-") event=\(e.event.rawValue) "
                + "serving=\(e.serving ?? "-") worker=\(e.worker) reason=\"\(e.reason)\"")
        }
        cursor.lastEventMs = max(cursor.lastEventMs, s.events.first?.timeMs ?? .min)
        return lines
    }

    // MARK: Formatting

    /// Columns padded to their widest cell, two spaces apart.
    static func table(_ rows: [[String]], rightAligned: Set<Int>) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let padding = String(repeating: " ", count: widths[i] - cell.count)
                if i == row.count - 1 && !rightAligned.contains(i) { return cell }
                return rightAligned.contains(i) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
    }

    /// Rates: whole numbers from 100 up, one decimal below.
    static func number(_ v: Double) -> String {
        v >= 100 ? grouped(Int64(v.rounded())) : fixed(v, 1)
    }

    static func fixed(_ v: Double, _ digits: Int = 2) -> String {
        String(format: "%.\(digits)f", v)
    }

    static func grouped(_ v: Int64) -> String {
        let digits = String(v.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (v < 0 ? "-" : "") + out
    }

    private static func threshold(_ v: Double) -> String {
        var text = String(format: "%.3f", v)
        while text.hasSuffix("0") && !text.hasSuffix(".0") { text.removeLast() }
        return text
    }

    private static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    /// Local wall-clock time `HH:mm:ss` of epoch milliseconds.
    static func clock(_ ms: Int64) -> String {
        var seconds = time_t(ms.floorDivided(by: 1000))
        var parts = tm()
        localtime_r(&seconds, &parts)
        return String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
