import ArgumentParser
import Foundation
import Logging

/// Writes one line to stdout and flushes it, so scripts reading a pipe see it at once.
func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Writes one line to stderr.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A logger writing to stderr at `level`.
func makeLogger(label: String, level: Logger.Level) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = level
    return logger
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
