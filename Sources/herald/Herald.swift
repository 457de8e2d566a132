import HeraldCLI

/// The `herald` executable: everything lives in HeraldCLI and the libraries below it.
@main
enum Herald {
    static func main() async {
        await HeraldCommand.main()
    }
}
