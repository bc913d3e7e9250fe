fn main() -> anyhow::Result<()> {
    callvitals::cli::main()
}
