hidden files are ignored {
