/// Human-readable summaries of a model, used by `streamscore inspect`.
public enum ModelReport {
    /// Producer, opsets, inputs and outputs (name, type, shape), op counts by "domain:op" and,
    /// when given, the card's JSON text.
    public static func inspect(_ runtime: ModelRuntime, cardJSON: String? = nil) -> String {
        var lines: [String] = []
        lines.append("producer: \(runtime.producer.isEmpty ? "(unknown)" : runtime.producer)")
        let opsets = runtime.opsets.sorted { $0.key < $1.key }
            .map { "\($0.key.isEmpty ? "ai.onnx" : $0.key) \($0.value)" }
        lines.append("opsets: " + opsets.joined(separator: ", "))
        lines.append("inputs:")
        lines += table(runtime.inputs.map { [$0.name, $0.type.description] })
        lines.append("outputs:")
        lines += table(runtime.outputs.map { [$0.name, $0.type.description] })
        lines.append("ops:")
        lines += table(runtime.opCounts.sorted { $0.key < $1.key }.map { [$0.key, String($0.value)] })
        if let cardJSON {
            lines.append("card:")
            lines.append(cardJSON.hasSuffix("\n") ? String(cardJSON.dropLast()) : cardJSON)
        } else {
            lines.append("card: none")
        }
        return lines.joined(separator: "\n")
    }

    /// Rows as indented, left-aligned columns.
    static func table(_ rows: [[String]]) -> [String] {
        guard let columns = rows.map(\.count).max() else { return ["  (none)"] }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            "  " + row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }
    }
}
