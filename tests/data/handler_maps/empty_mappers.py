MAPPERS = {
}
