module example.com/gosample

go 1.19

require example.com/greeting v1.2.3

replace example.com/greeting v1.2.3 => ./greeting
