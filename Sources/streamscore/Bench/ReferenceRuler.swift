import Foundation

/// Runs the C rulers from shared/reference so our numbers can be quoted as same-run ratios.
enum ReferenceRuler {
    enum Failure: Error, CustomStringConvertible {
        case failed(String)
        var description: String { if case .failed(let m) = self { m } else { "" } }
    }

    /// Runs `passthrough BOOTSTRAP IN OUT N GROUP` and returns its records/s.
    static func passThrough(executable: String, bootstrap: String, input: String, output: String,
                            count: Int) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [bootstrap, input, output, String(count), "bench-ref-\(UUID().uuidString.prefix(6))"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rate = object["records_per_s"] as? Double, rate > 0 else {
            throw Failure.failed("reference pass-through printed no rate: \(String(decoding: data, as: UTF8.self))")
        }
        return rate
    }
}
