subdirectories are not read {
