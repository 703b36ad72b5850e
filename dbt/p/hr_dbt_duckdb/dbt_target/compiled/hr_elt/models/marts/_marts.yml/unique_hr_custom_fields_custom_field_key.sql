
    
    

select
    custom_field_key as unique_field,
    count(*) as n_records

from "w"."hr_unified"."hr_custom_fields"
where custom_field_key is not null
group by custom_field_key
having count(*) > 1


