//! The `kubegate` command line.

fn main() {
    println!("kubegate");
}
