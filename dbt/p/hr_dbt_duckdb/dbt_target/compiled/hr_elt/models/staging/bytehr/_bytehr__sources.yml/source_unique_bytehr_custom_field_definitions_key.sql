
    
    

select
    key as unique_field,
    count(*) as n_records

from "w"."bytehr"."custom_field_definitions"
where key is not null
group by key
having count(*) > 1


