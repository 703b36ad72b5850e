
    
    

with all_values as (

    select
        provider as value_field,
        count(*) as n_records

    from "w"."hr_unified"."hr_departments"
    group by provider

)

select *
from all_values
where value_field not in (
    'bytehr','cutehr','hollyhr'
)


