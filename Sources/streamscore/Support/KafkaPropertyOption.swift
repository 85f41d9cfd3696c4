import ArgumentParser

/// Parses repeated `--kafka NAME=VALUE` options into librdkafka properties.
func parseKafkaProperties(_ items: [String]) throws -> [String: String] {
    var out: [String: String] = [:]
    for item in items {
        guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
            throw ValidationError("--kafka '\(item)' is not NAME=VALUE")
        }
        out[String(item[..<eq])] = String(item[item.index(after: eq)...])
    }
    return out
}
