
    
    

select
    coverage_key as unique_field,
    count(*) as n_records

from "w"."hr_unified"."hr_data_quality"
where coverage_key is not null
group by coverage_key
having count(*) > 1


